import { useCallback, useEffect, useRef } from 'react';

/**
 * Puts the keyboard focus back on the control that opened a dialog once the dialog is closed. The
 * console's dialogs leave the page as they close, before Ant Design's dialog can restore the focus itself,
 * which left it on the page's body: a keyboard user was sent back to the top of the page. Call the
 * returned function as the dialog opens (it notes the focused control); when `open` turns false the focus
 * returns to that control, or to the page's content if the control is gone (a repair no longer offered).
 */
export function useReturnFocus(open: boolean): () => void {
  const opener = useRef<HTMLElement | null>(null);
  useEffect(() => {
    if (open) return;
    const target = opener.current;
    opener.current = null;
    if (!target) return;
    if (target.isConnected) target.focus();
    else document.getElementById('main')?.focus();
  }, [open]);
  return useCallback(() => {
    opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  }, []);
}
