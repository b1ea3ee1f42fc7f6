// ${VAR} and ${VAR:-default} substitution in config values. `$${` is a literal
// `${`; a `$` not followed by `{` is left alone (password hashes are full of them).
// The default is taken literally up to the first `}` (no nesting); as in the
// shell, `:-` also applies when the variable is set but empty.

export type Env = Readonly<Record<string, string | undefined>>;

export type Substituted = { ok: true; value: string; changed: boolean } | { ok: false; error: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function substitute(text: string, env: Env): Substituted {
  if (!text.includes('${')) return { ok: true, value: text, changed: false };
  let out = '';
  let i = 0;
  while (i < text.length) {
    const at = text.indexOf('${', i);
    if (at === -1) {
      out += text.slice(i);
      break;
    }
    if (at > 0 && text[at - 1] === '$') {
      // `$${` → `${`: drop the escaping `$` already copied, keep `${` literally.
      out += text.slice(i, at - 1) + '${';
      i = at + 2;
      continue;
    }
    out += text.slice(i, at);
    const close = text.indexOf('}', at + 2);
    if (close === -1) return { ok: false, error: `unterminated "\${" at character ${at + 1}: expected \${NAME} or \${NAME:-default}` };
    const body = text.slice(at + 2, close);
    const sep = body.indexOf(':-');
    const name = sep === -1 ? body : body.slice(0, sep);
    if (!NAME.test(name)) {
      return { ok: false, error: `bad substitution at character ${at + 1}: expected \${NAME} or \${NAME:-default} with NAME made of letters, digits and _` };
    }
    const value = env[name];
    if (sep === -1) {
      if (value === undefined) return { ok: false, error: `environment variable ${name} is not set (give a default with \${${name}:-default})` };
      out += value;
    } else {
      out += value === undefined || value === '' ? body.slice(sep + 2) : value;
    }
    i = close + 1;
  }
  return { ok: true, value: out, changed: true };
}

/**
 * An unquoted YAML value that came out of a substitution is typed like any other
 * unquoted value (`port: ${PORT:-8080}` is a number, `loop: ${LOOP:-true}` a
 * boolean); a quoted one stays a string. One exception: an empty result stays
 * the empty string rather than YAML's null, so `bpf: ${BPF:-}` means "no filter".
 */
export function typePlainScalar(text: string): string | number | boolean | null {
  if (/^(true|True|TRUE)$/.test(text)) return true;
  if (/^(false|False|FALSE)$/.test(text)) return false;
  if (/^(null|Null|NULL|~)$/.test(text)) return null;
  if (/^[-+]?[0-9]+$/.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : text;
  }
  if (/^0x[0-9a-fA-F]+$/.test(text)) return Number.parseInt(text.slice(2), 16);
  if (/^0o[0-7]+$/.test(text)) return Number.parseInt(text.slice(2), 8);
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(text)) return Number(text);
  return text;
}
