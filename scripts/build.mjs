// `npm run build`: compile to dist/ and copy what the code reads at run time beside it.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
const assets = ['package.json', 'device/simulator/page.html', 'device/simulator/page.js', 'config/examples', 'config/templates', 'drivers/printer/examples'];
for (const a of assets) {
  mkdirSync(dirname(join(dist, a)), { recursive: true });
  cpSync(join(root, a), join(dist, a), { recursive: true });
}
console.log(`built ${dist}`);
