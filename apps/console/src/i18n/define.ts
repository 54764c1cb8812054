/**
 * One area's text in both languages. The Chinese catalog fixes the keys; the English one must have
 * exactly the same keys (a missing or extra key is a type error). Placeholders are written `{name}`.
 * Text that comes from a definition (step titles, form labels) is not here: definitions carry both.
 */
export function defineMessages<const Keys extends string>(zhCN: Record<Keys, string>, en: Record<NoInfer<Keys>, string>): { readonly 'zh-CN': Record<Keys, string>; readonly en: Record<Keys, string> } {
  return { 'zh-CN': zhCN, en };
}
