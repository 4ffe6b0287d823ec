// The README's CLI walkthrough, second chain: introspect the demo cloud, describe, validate, sign, diff.
import t from 'tap';
import { chains, runAsWritten } from '../helpers/readme.js';

const { describe } = chains();
t.ok(describe.length >= 5, `${describe.length} commands`);
t.teardown(await runAsWritten(describe, (command, status, output) => t.equal(status, 0, `${command}\n${output}`)));
