// The login form: POST /api/login sets the session cookie; errors are shown in
// the form (role=alert) and never leave the page in a half-logged-in state.
import { api, ApiError } from './api.js';
import { $ } from './dom.js';

/** Shows the form and resolves once a login succeeded. */
export function showLogin(message = '') {
  const view = $('login-view');
  const form = /** @type {HTMLFormElement} */ ($('login-form'));
  const user = /** @type {HTMLInputElement} */ ($('login-username'));
  const pass = /** @type {HTMLInputElement} */ ($('login-password'));
  const error = $('login-error');
  const submit = /** @type {HTMLButtonElement} */ ($('login-submit'));
  error.textContent = message;
  pass.value = '';
  view.hidden = false;
  (user.value ? pass : user).focus();

  return new Promise((resolve) => {
    const onSubmit = async (e) => {
      e.preventDefault();
      if (!user.value || !pass.value) {
        error.textContent = 'Enter a user name and a password.';
        (user.value ? pass : user).focus();
        return;
      }
      submit.disabled = true;
      error.textContent = '';
      try {
        await api.login(user.value, pass.value);
        form.removeEventListener('submit', onSubmit);
        pass.value = '';
        view.hidden = true;
        resolve();
      } catch (err) {
        error.textContent = loginErrorText(err);
        pass.value = '';
        pass.focus();
      } finally {
        submit.disabled = false;
      }
    };
    form.addEventListener('submit', onSubmit);
  });
}

function loginErrorText(err) {
  if (err instanceof ApiError) {
    if (err.status === 401) return 'Wrong user name or password.';
    if (err.status === 429) return 'Too many attempts. Wait a moment and try again.';
    if (err.status === 400) return err.message || 'The user name or password is not valid.';
    return `Login failed: ${err.message}`;
  }
  return 'The daemon cannot be reached. Is wirewatch running?';
}
