#!/usr/bin/env node
// The `mesh` command. This committed file, not dist/, is the package's bin: npm links a bin
// only when its target exists at install time, and dist/ is built after the install.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const cli = join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!existsSync(cli)) {
  console.error('✖ mesh: the CLI is not built yet. Run `npm run setup` from the repository root, then try again.');
  process.exit(1);
}
require(cli);
