/**
 * The Compare page's side-by-side handlers. Apart from side-by-side.ts, which
 * the compare-report job kind imports: these start eval jobs through the
 * supervisor, and the supervisor imports the job-kind registry.
 */
import type { Handlers } from '../handlers';
import type { JobSupervisor } from '../jobs/supervisor';
import { checkSize, sameRef, sideBySide, winRatePrompts, type SideBySideDeps } from './side-by-side';

export function sideBySideHandlers(
  deps: SideBySideDeps & { jobs: JobSupervisor },
): Pick<Handlers, 'compare.generate' | 'compare.generations'> {
  return {
    'compare.generate': (set) => {
      const prompts = winRatePrompts(set, deps.artifactsDir);
      checkSize(deps, prompts);
      const base = set.columns[0]!;
      // One eval job per checkpoint column, queued on the device lane in column order; the first generates the base's answers.
      return set.columns
        .slice(1)
        .filter((column) => !sameRef(column, base))
        .map((model) =>
          deps.jobs.start('eval', {
            model,
            suite: {
              name: 'side by side',
              items: [{ kind: 'win-rate', prompts, baseline: base, judge: set.judge, sampling: set.sampling }],
            },
          }),
        );
    },
    'compare.generations': (set) => sideBySide(deps, set),
  };
}
