import type { FastifyInstance } from 'fastify';
import { PublishWizardRequestSchema } from '../../shared/remediation/wire';
import type { CatalogHolder } from '../catalog/loader';
import { listWizards } from '../repo/wizards';
import { publishWizard, WizardRejectedError, WizardVersionConflictError } from '../remediation/wizard-library';
import { ApiFailure } from '../errors';
import { CAPABILITIES } from '../../shared/identity';
import { principalOf, type RouteAuth, type RouteContext } from './context';
import { parseBody } from './validation';

const readRoles: RouteAuth = { roles: CAPABILITIES.read };
const authorRoles: RouteAuth = { roles: CAPABILITIES.author };

/** The wizard library: publish (author) and list. Desks get it by sync (global bucket, entity `wizard`). */
export function registerWizardRoutes(app: FastifyInstance, context: RouteContext, catalog: CatalogHolder | null): void {
  app.put('/v1/wizards', { config: authorRoles }, async (request, reply) => {
    const body = parseBody(PublishWizardRequestSchema, request.body);
    try {
      const result = await publishWizard(context.storage, {
        source: body.source,
        file: body.file,
        publishedBy: principalOf(request).name,
        now: context.clock(),
        // Checked against the catalog in force: a wizard must call what this server offers.
        catalog: catalog?.current().published ?? null,
      });
      reply.code(result.status === 'published' ? 201 : 200);
      return result;
    } catch (error) {
      if (error instanceof WizardRejectedError) {
        // Every issue, so an author fixes the file in one go (the usual error body plus `issues`).
        return reply.code(422).send({ error: 'invalid_wizard', message: error.message, issues: error.issues });
      }
      if (error instanceof WizardVersionConflictError) throw new ApiFailure(409, 'wizard_version_exists', error.message);
      throw error;
    }
  });

  app.get('/v1/wizards', { config: readRoles }, async () => ({ wizards: await listWizards(context.storage) }));
}
