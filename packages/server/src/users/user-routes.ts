import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { orgCallerOf } from '../auth/caller.js';
import { sessionRoutes } from '../auth/session-routes.js';
import { type PeopleOptions, resolvePeopleOptions } from '../auth/sign-in.js';
import type { Database } from '../database/schema.js';
import { WeftError } from '../errors.js';
import { errorResponses } from '../http/common-schemas.js';
import { baseUrlOf } from '../http/public-url.js';
import {
  CreatedUser,
  IdParams,
  PasswordChange,
  User,
  UserCreate,
  UserListQuery,
  UserPage,
  UserUpdate,
  userAnswers,
} from './user-schemas.js';
import {
  changePassword,
  createUser,
  getUser,
  listUsers,
  reissueInvitation,
  removeUser,
  toUser,
  updateUser,
} from './user-store.js';

/**
 * `/api/users`: the organization's team. Owners and admins invite, change and remove users (never above their own
 * role, never the last owner); everyone reads them. Also registers sign-in, sessions and single sign-on
 * (auth/session-routes.ts), which answer users too.
 */
export function userRoutes(db: Kysely<Database>, peopleOptions: PeopleOptions) {
  const options = resolvePeopleOptions(peopleOptions);
  const { clock, publicUrl } = options;
  return async function userRoutesPlugin(fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    app.addSchema(User);
    app.addSchema(UserPage);
    app.addSchema(CreatedUser);
    const answers = userAnswers;
    const tags = ['users'];
    const read = { permission: 'users:read' } as const;
    const write = { permission: 'users:write' } as const;
    const invitationUrl = (request: Parameters<typeof baseUrlOf>[0], secret: string) =>
      `${baseUrlOf(request, publicUrl)}/invitations/${secret}`;

    app.post(
      '/users',
      {
        config: write,
        schema: {
          tags,
          summary: 'Invite or create a user',
          description:
            'With a password the user can sign in at once (automation). Without, the answer carries a one-time invitation link, valid 7 days, where the person chooses a password (POST /api/auth/invitations/accept); only its hash is stored. A role above your own is refused.',
          body: UserCreate,
          response: { 201: answers.created, ...errorResponses(409) },
        },
      },
      async (request, reply) => {
        const { row, invitationSecret } = await createUser(db, orgCallerOf(request), request.body, clock);
        return reply.status(201).send({
          user: toUser(row),
          invitationUrl: invitationSecret ? invitationUrl(request, invitationSecret) : null,
        });
      },
    );

    app.get(
      '/users',
      {
        config: read,
        schema: {
          tags,
          summary: 'List users',
          description: 'Oldest first, in pages; search matches email or name.',
          querystring: UserListQuery,
          response: { 200: answers.page, ...errorResponses() },
        },
      },
      async (request) => listUsers(db, orgCallerOf(request).orgId, request.query),
    );

    app.get(
      '/users/me',
      {
        config: read,
        schema: {
          tags,
          summary: 'The calling user',
          description:
            'The signed-in user, or the user the API token belongs to (404 for a token of nobody).',
          response: { 200: answers.user, ...errorResponses(404) },
        },
      },
      async (request) => {
        const caller = orgCallerOf(request);
        if (!caller.userId) {
          throw new WeftError(
            'USER_NOT_FOUND',
            'This request came with an API token that belongs to no user.',
          );
        }
        return getUser(db, caller.orgId, caller.userId);
      },
    );

    app.put(
      '/users/me/password',
      {
        config: read,
        schema: {
          tags,
          summary: 'Change my password',
          description:
            'Needs the current password when there is one. A user without one (single sign-on only) sets the first password from a signed-in session only, never with an API token (403 USER_PASSWORD_NEEDS_SESSION). Every other session of the user ends; API tokens keep working.',
          body: PasswordChange,
          response: { 200: answers.user, ...errorResponses() },
        },
      },
      async (request) => changePassword(db, orgCallerOf(request), request.body, clock),
    );

    app.get(
      '/users/:id',
      {
        config: read,
        schema: {
          tags,
          summary: 'Get a user',
          params: IdParams,
          response: { 200: answers.user, ...errorResponses(404) },
        },
      },
      async (request) => getUser(db, orgCallerOf(request).orgId, request.params.id),
    );

    app.patch(
      '/users/:id',
      {
        config: write,
        schema: {
          tags,
          summary: 'Change a user’s name or role',
          description:
            'Nothing of a user above you changes (nor their name), and roles change only between roles at or below your own; the organization’s last owner cannot be demoted. The user’s tokens follow: they never do more than the user may. Raising the role of a user whose invitation link is pending cancels the link (invitationExpiresAt becomes null): send a new one with POST /api/users/{id}/invitation.',
          params: IdParams,
          body: UserUpdate,
          response: { 200: answers.user, ...errorResponses(404, 409) },
        },
      },
      async (request) => updateUser(db, orgCallerOf(request), request.params.id, request.body, clock),
    );

    app.delete(
      '/users/:id',
      {
        config: write,
        schema: {
          tags,
          summary: 'Remove a user',
          description:
            'Their sessions end and the API tokens they own are deleted. The organization’s last owner cannot be removed. Answers with the removed user.',
          params: IdParams,
          response: { 200: answers.user, ...errorResponses(404, 409) },
        },
      },
      async (request) => removeUser(db, orgCallerOf(request), request.params.id),
    );

    app.post(
      '/users/:id/invitation',
      {
        config: write,
        schema: {
          tags,
          summary: 'Send a user a new invitation link',
          description:
            'For someone who lost their link or their password: the previous link stops working; accepting the new one sets a new password and ends the user’s other sessions. Never for a user above you; for another admin, owners only.',
          params: IdParams,
          response: { 200: answers.invitation, ...errorResponses(404) },
        },
      },
      async (request) => {
        const { row, invitationSecret } = await reissueInvitation(
          db,
          orgCallerOf(request),
          request.params.id,
          clock,
        );
        return { user: toUser(row), invitationUrl: invitationUrl(request, invitationSecret) };
      },
    );

    await app.register(sessionRoutes(db, options));
  };
}
