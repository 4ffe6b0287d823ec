// The HTTP API over a real socket on SQLite (the embedded default's database).
import t from 'tap';
import { apiSuite } from '../helpers/api-suite.js';
import { sqliteDatabase } from '../helpers/databases.js';

await apiSuite(t, sqliteDatabase());
