import type { Settings } from '../../../shared/contract';

/** Applies the theme setting; `system` follows the OS and keeps following it. */
export function applyTheme(theme: Settings['theme']): () => void {
  const media = window.matchMedia('(prefers-color-scheme: dark)');
  const update = () => {
    const dark = theme === 'dark' || (theme === 'system' && media.matches);
    document.documentElement.classList.toggle('dark', dark);
    document.documentElement.style.colorScheme = dark ? 'dark' : 'light';
  };
  update();
  media.addEventListener('change', update);
  return () => media.removeEventListener('change', update);
}
