// Part of the build (#15, item 2): prepares the empty PGlite cluster the demo backend unpacks on a fresh data
// directory instead of running initdb on the user's first start. Kept while the PGlite version is the same.
import fs from 'node:fs';
import path from 'node:path';
import { defaultPgliteTemplate, writePgliteTemplate } from '../server/storage/pglite-template';

const file = defaultPgliteTemplate(path.resolve('.'));
if (file === null) {
  console.error(
    'PGlite is not installed where the build can find it; the demo backend will prepare its database on first start.',
  );
} else if (!fs.existsSync(file)) {
  await writePgliteTemplate(file);
}
