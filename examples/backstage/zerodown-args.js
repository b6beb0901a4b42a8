// The argv of `zerodown new` for the `zerodown:new` scaffolder action (zerodown-action.ts), from
// the step input of template.yaml: `flags` maps each flag to a template parameter. A parameter the
// user left empty is no flag at all (the preset decides), `true` is a bare flag, a list repeats the
// flag, and `{value, suffix}` is a size with its unit (`{value: 512, suffix: Mi}` -> `512Mi`).
// --no-input: zerodown never prompts, and exits 2 naming any bad answer.
// Plain JavaScript without dependencies, so tests/integrations.rs runs it with node.
'use strict';

function zerodownNewArgs(name, output, flags) {
  const args = ['new', String(name), '--no-input', '--output', String(output)];
  for (const [flag, given] of Object.entries(flags || {})) {
    const sized = given !== null && typeof given === 'object' && !Array.isArray(given);
    const value = sized ? given.value : given;
    if (value === undefined || value === null || value === '' || value === false) continue;
    if (value === true) {
      args.push(flag);
      continue;
    }
    if (sized) {
      args.push(flag, `${value}${given.suffix}`);
      continue;
    }
    for (const v of Array.isArray(value) ? value : [value]) args.push(flag, String(v));
  }
  return args;
}

module.exports = { zerodownNewArgs };
