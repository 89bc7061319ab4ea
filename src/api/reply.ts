/** What a handler returns: the services' Reply; the dispatcher is the one place that writes it. */
export type { Reply } from '../services/reply.js';
