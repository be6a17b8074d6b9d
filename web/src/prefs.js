// prefs.js - the guest name and token, whether this browser signed in, the chosen theme and this device's id, kept in localStorage between visits.
const NAME = 'soundroom.name';
const TOKEN = 'soundroom.token';
const ACCOUNT = 'soundroom.account';
const THEME = 'soundroom.theme';
const DEVICE = 'soundroom.device';

function read(key) {
  try {
    return localStorage.getItem(key) || '';
  } catch {
    return ''; // storage disabled (private mode): behave as a first visit
  }
}

function write(key, value) {
  try {
    if (value) localStorage.setItem(key, value);
    else localStorage.removeItem(key);
  } catch {
    /* storage disabled: the session still works, it is just not remembered */
  }
}

export const prefs = {
  get name() { return read(NAME); },
  set name(v) { write(NAME, v); },
  get token() { return read(TOKEN); },
  set token(v) { write(TOKEN, v); },
  /** '1' once this browser signed in: only then is the session cookie worth asking about. */
  get account() { return read(ACCOUNT); },
  set account(v) { write(ACCOUNT, v); },
  /** 'light', 'dark', or '' to follow the system. */
  get theme() { return read(THEME); },
  set theme(v) { write(THEME, v); },
  /** This browser's device id (party mode's speaker is a device): made on first use, then kept. */
  get device() {
    let d = read(DEVICE);
    if (!/^[A-Za-z0-9_-]{8,64}$/.test(d)) {
      const b = new Uint8Array(12);
      crypto.getRandomValues(b);
      d = `d${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`;
      write(DEVICE, d);
    }
    return d;
  },
};
