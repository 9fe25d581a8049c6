// A minimal Backstage backend: the catalog plugin only, on the local PostgreSQL, with a static
// token for Backline (app-config.yaml). Started by scripts/backstage-backend.sh.
const { createBackend } = require('@backstage/backend-defaults');

const backend = createBackend();
backend.add(import('@backstage/plugin-catalog-backend'));
backend.start();
