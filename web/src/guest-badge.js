// guest-badge.js - guestBadge(user): the small "guest" mark beside a guest's name (the server sets
// `guest: true` on people without an account), so nobody can pass as an account holder. Its
// style, `.guest-badge`, is in shared-styles.js.
import { html } from 'lit';

/** The badge for `user` when they are a guest, else nothing. */
export function guestBadge(user) {
  return user && user.guest
    ? html` <span class="guest-badge" title="A guest: no account">guest</span>`
    : '';
}
