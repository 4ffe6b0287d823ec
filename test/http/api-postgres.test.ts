// The HTTP API over a real socket on the local PostgreSQL.
import t from 'tap';
import { apiSuite } from '../helpers/api-suite.js';
import { postgresDatabase } from '../helpers/databases.js';

await apiSuite(t, await postgresDatabase());
