// Peers' answers are read bounded: a catalogue, clearing house or notary that answers with more
// than the limit gets a clear error, never an answer held whole in memory.
import t from 'tap';
import { startFake } from '../../src/demo/http.js';
import { responseText } from '../../src/net/body.js';
import { catalogueError } from '../../src/publish/xfsc.js';

t.test('an answer past the limit is refused with the peer named; one within it is read', async (t) => {
  const fake = await startFake((_req, url) =>
    url.pathname === '/big' ? { status: 500, text: 'x'.repeat(9 << 20) } : { status: 200, text: 'small' },
  );
  t.teardown(() => fake.close());
  await t.rejects(
    responseText(await fetch(`${fake.url}/big`), 1 << 20),
    /the answer of 127\.0\.0\.1:\d+ is larger than 1048576 bytes/,
  );
  t.equal(await responseText(await fetch(`${fake.url}/ok`), 1 << 20), 'small');
  t.match(
    await catalogueError(await fetch(`${fake.url}/big`)),
    /larger than 8388608 bytes/,
    "a catalogue's oversized error answer becomes a message, not a crash",
  );
});
