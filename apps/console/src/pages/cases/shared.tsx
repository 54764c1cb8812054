import { api } from '../../api/client.js';
import { useLifecycle } from '../../api/definitions.js';
import { useI18n } from '../../i18n/index.js';

/** A case is shown by the start of its id (`case-0f8e6c9e…` → `0f8e6c9e`): unique enough to tell cases apart on a page, and short. */
export function caseLabel(caseId: string): string {
  return caseId.replace(/^case-/, '').slice(0, 8);
}

/** A case's state by its title in the lifecycle version the case runs (its id until that is loaded). */
export function StateName({ lifecycle, state }: { lifecycle: { key: string; version: number }; state: string }) {
  const { text } = useI18n();
  const outline = useLifecycle(lifecycle.key, lifecycle.version);
  const title = outline.data?.states.find((s) => s.id === state)?.title;
  return <>{title ? text(title) : state}</>;
}

/**
 * Waits (a few seconds at most) until a case just enrolled is readable, so the page opened next does not
 * say "no such case". Gives up quietly: the case page then shows the API's answer itself.
 */
export async function untilListed(caseId: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const answer = await api.GET('/cases/{id}', { params: { path: { id: caseId } } });
    if (answer.response.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
