import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const extRoot = path.resolve(here, '..', '..');
export const require = createRequire(import.meta.url);
/** The stubbed `vscode` module; loading it installs the require hook. */
export const vscode = require('./vscode-stub.cjs');
/** A compiled module of the extension (out/src/NAME.js). */
export const load = (name) => require(path.join(extRoot, 'out', 'src', `${name}.js`));
