// Pre-commit (Husky runs `lint-staged`): only the staged files, auto-fixes only. TypeScript gets
// ESLint --fix then Prettier; everything else Prettier formats gets Prettier. One root ESLint
// config covers every package, so ESLint runs once from the root.
export default {
  "*.{ts,tsx}": ["eslint --fix --no-warn-ignored", "prettier --write --ignore-unknown"],
  "*.{js,jsx,mjs,cjs,json,md,mdx,yml,yaml,css}": "prettier --write --ignore-unknown",
};
