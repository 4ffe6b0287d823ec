// The README's CLI walkthrough, first chain: keys, DID, signing and verification in every suite.
import t from 'tap';
import { chains, runAsWritten, walkthrough } from '../helpers/readme.js';

const { credentials, describe } = chains();
t.equal(
  credentials.length + describe.length - 1,
  walkthrough().length,
  'the two chains cover every command of the walkthrough',
);
t.ok(credentials.length >= 10, `${credentials.length} commands`);
t.teardown(await runAsWritten(credentials, (command, status, output) => t.equal(status, 0, `${command}\n${output}`)));
