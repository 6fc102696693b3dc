import { fileURLToPath } from 'node:url';

/** The package root (works from src/ under tsx/vitest and from dist/ after the build). */
export const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Where generated fixtures live (made by `recur fixtures`, never committed). */
export const generatedFixtures = fileURLToPath(new URL('../../fixtures/generated/', import.meta.url));
export const demoModelDir = `${generatedFixtures}demo-forecaster`;
