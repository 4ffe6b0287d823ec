// Approval mode end to end over HTTP on SQLite (see helpers/approval-suite.ts).
import t from 'tap';
import { approvalSuite } from '../helpers/approval-suite.js';
import { sqliteDatabase } from '../helpers/databases.js';

await approvalSuite(t, sqliteDatabase());
