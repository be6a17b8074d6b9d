// offline.js - the offline page (offline.html, shown by sw.js when the app cannot be loaded): asks
// the server's /api/health every few seconds and, once it answers, reloads the page the person
// wanted (the address bar still holds it).
const FIRST_MS = 2000;
const MAX_MS = 10000;

const status = document.getElementById('offline-status');
const retry = document.getElementById('offline-retry');
let delay = FIRST_MS;
let timer = 0;
let checking = false;

// The theme the person chose in the app (prefs.js: soundroom.theme).
try {
  const theme = localStorage.getItem('soundroom.theme');
  if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
} catch {
  /* storage disabled: the system's theme */
}

async function check() {
  if (checking) return;
  checking = true;
  clearTimeout(timer);
  status.textContent = 'Checking whether the server is back…';
  try {
    const res = await fetch('/api/health', { cache: 'no-store' });
    if (res.ok) {
      status.textContent = 'The server is back. Loading soundroom…';
      location.reload();
      return;
    }
  } catch {
    /* still unreachable */
  } finally {
    checking = false;
  }
  status.textContent = `Still no answer. Trying again in ${Math.round(delay / 1000)} s (this page comes back by itself).`;
  timer = setTimeout(check, delay);
  delay = Math.min(delay * 1.5, MAX_MS);
}

retry.addEventListener('click', () => { delay = FIRST_MS; check(); });
window.addEventListener('online', () => { delay = FIRST_MS; check(); });
timer = setTimeout(check, FIRST_MS);
