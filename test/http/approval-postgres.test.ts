// Approval mode end to end over HTTP on the local PostgreSQL (see helpers/approval-suite.ts).
import t from 'tap';
import { approvalSuite } from '../helpers/approval-suite.js';
import { postgresDatabase } from '../helpers/databases.js';

await approvalSuite(t, await postgresDatabase());
