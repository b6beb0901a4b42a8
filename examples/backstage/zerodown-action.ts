// The `zerodown:new` scaffolder action that template.yaml calls: runs `zerodown new --no-input`
// in the task's workspace (zerodown must be on the scaffolder backend's PATH, e.g. `cargo install
// zerodown` in its image). Register it in the backend like any custom action:
//   backend.add(createBackendModule({ pluginId: 'scaffolder', moduleId: 'zerodown',
//     register: r => r.registerInit({ deps: { actions: scaffolderActionsExtensionPoint },
//       init: async ({ actions }) => actions.addActions(zerodownNewAction()) }) }));
// Not compiled in zerodown's CI (no Backstage app here); zerodown-args.js, which builds the
// command line, is run by tests/integrations.rs.
import {
  createTemplateAction,
  executeShellCommand,
} from '@backstage/plugin-scaffolder-node';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { zerodownNewArgs } = require('./zerodown-args');

export const zerodownNewAction = () =>
  createTemplateAction({
    id: 'zerodown:new',
    description:
      'Renders a zero-downtime Kubernetes bundle with `zerodown new --no-input`',
    schema: {
      input: {
        name: z => z.string().describe('Service name (a DNS-1123 label)'),
        output: z =>
          z.string().describe('Folder in the workspace for the bundle'),
        flags: z =>
          z
            .record(z.any())
            .optional()
            .describe('zerodown new flags and their values'),
      },
    },
    async handler(ctx) {
      const output = resolveSafeChildPath(ctx.workspacePath, ctx.input.output);
      await executeShellCommand({
        command: 'zerodown',
        args: zerodownNewArgs(ctx.input.name, output, ctx.input.flags),
        options: { cwd: ctx.workspacePath },
        logger: ctx.logger,
      });
    },
  });
