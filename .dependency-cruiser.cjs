/**
 * The dependency order of docs/ARCHITECTURE.md, enforced by `npm run check` (dependency-cruiser):
 * no import cycle, and no import from a folder of src/ to a folder above it. LAYERS runs from the
 * top (the edges) down to the inner modules; a folder may import its own files and any folder of a
 * lower layer. Inner modules may also import each other (no cycle among them, as everywhere).
 * Type-only imports count too: a type is a dependency.
 */
const LAYERS = [
  ['cli'],
  ['http'],
  ['eval'],
  ['runtime'],
  ['ops'],
  ['agents'],
  ['channels'],
  ['handoff'],
  ['inbox'],
  ['gateway'],
  ['pipeline'],
  ['media'],
  ['knowledge', 'queue', 'tenancy'],
  ['egress', 'secrets', 'retry', 'storage', 'observability', 'config', 'errors'],
];
const INNER = LAYERS.length - 1;

const folders = (layers) => layers.flat().join('|');

const layerRules = LAYERS.flatMap((layer, index) => {
  const above = LAYERS.slice(0, index);
  // Folders of the same layer are independent, except the inner modules.
  const sameLayer = index === INNER ? [] : layer;
  return layer
    .map((folder) => {
      const forbidden = [...above.flat(), ...sameLayer.filter((other) => other !== folder)];
      return {
        name: `${folder}-imports-downward`,
        comment: `src/${folder} may import only folders below it in docs/ARCHITECTURE.md's order.`,
        severity: 'error',
        from: { path: `^src/${folder}/` },
        to: { path: `^src/(${forbidden.join('|')})/` },
      };
    })
    .filter((rule) => rule.to.path !== '^src/()/');
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Dependencies point one way: a cycle means a lower module knows a higher one.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'every-folder-has-a-layer',
      comment: 'A new folder of src/ takes its place in LAYERS (and in docs/ARCHITECTURE.md).',
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/(${folders(LAYERS)})/` },
      to: {},
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/' },
    tsPreCompilationDeps: true,
    moduleSystems: ['es6'],
  },
};
