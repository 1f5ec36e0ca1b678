/**
 * A small typed client for the My Suqian API: openapi-fetch over the types openapi-typescript
 * generated from the app's OpenAPI document (`schema.d.ts`, do not edit; `npm run generate`).
 *
 *   const api = suqianClient({ baseUrl: "http://127.0.0.1:8000", tokens: memoryTokens() });
 *   const { data, error } = await api.GET("/api/v1/citizen-code");
 *
 * Every path, parameter, body and answer is typed; `error` is the operation's problem+json body,
 * whose `code` is narrowed to the codes that operation can answer (docs/errors.md says what to do
 * with each). The client adds the bearer token, refreshes it once on `auth.token_expired`, and
 * forgets it on the codes that mean "sign in again".
 */
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type { components, operations, paths } from "./schema";
export type Schemas = components["schemas"];
export type Problem = Schemas["Problem"];
export type ProblemCode = Problem["code"];
export type TokenPair = Schemas["TokenPair"];
export type SuqianClient = Client<paths>;

/** Where the client keeps the citizen's tokens: memory here; wx.setStorageSync / localStorage in an app. */
export interface TokenStore {
  get(): TokenPair | undefined;
  set(pair: TokenPair | undefined): void;
}

export function memoryTokens(initial?: TokenPair): TokenStore {
  let pair = initial;
  return {
    get: () => pair,
    set: (next) => {
      pair = next;
    },
  };
}

/** The codes after which the tokens are worth nothing (docs/errors.md, action `sign_in_again`). */
export const SIGN_IN_AGAIN: ReadonlySet<ProblemCode> = new Set<ProblemCode>([
  "auth.token_invalid",
  "auth.token_missing",
  "auth.token_revoked",
  "auth.refresh_token_invalid",
  "auth.refresh_token_reused",
]);

export function isProblem(body: unknown): body is Problem {
  return typeof body === "object" && body !== null && "code" in body && "status" in body;
}

/** Seconds the server asks to wait (`Retry-After`), or undefined. */
export function retryAfter(response: Response): number | undefined {
  const value = response.headers.get("retry-after");
  return value === null || !/^[0-9]+$/.test(value) ? undefined : Number(value);
}

export interface ClientOptions {
  baseUrl: string;
  tokens: TokenStore;
  fetch?: typeof globalThis.fetch;
}

/** The refresh grant: a new pair for the refresh token; the old refresh token is spent. */
export async function refreshTokens(api: SuqianClient, tokens: TokenStore): Promise<TokenPair | undefined> {
  const current = tokens.get();
  if (current === undefined) return undefined;
  const { data, error } = await api.POST("/api/v1/auth/token", {
    body: { grant_type: "refresh_token", refresh_token: current.refresh_token },
  });
  if (error !== undefined) {
    if (SIGN_IN_AGAIN.has(error.code)) tokens.set(undefined);
    return undefined;
  }
  tokens.set(data);
  return data;
}

export function suqianClient(options: ClientOptions): SuqianClient {
  const api = createClient<paths>({ baseUrl: options.baseUrl, fetch: options.fetch });
  // A second client without the middleware, for the refresh itself (no loop on its own 401).
  const bare = createClient<paths>({ baseUrl: options.baseUrl, fetch: options.fetch });
  const retried = new WeakSet<Request>();
  // A copy of each request as sent, body unread, to repeat it once after a refresh.
  const copies = new WeakMap<Request, Request>();
  const bearer: Middleware = {
    onRequest({ request }) {
      const pair = options.tokens.get();
      if (pair !== undefined && !request.headers.has("authorization")) {
        request.headers.set("authorization", `Bearer ${pair.access_token}`);
      }
      copies.set(request, request.clone());
      return request;
    },
    async onResponse({ request, response }) {
      if (response.status !== 401 || retried.has(request)) return response;
      const body: unknown = await response.clone().json().catch(() => undefined);
      if (!isProblem(body)) return response;
      if (body.code === "auth.token_expired") {
        const fresh = await refreshTokens(bare, options.tokens);
        if (fresh === undefined) return response;
        const again = copies.get(request) ?? request;
        again.headers.set("authorization", `Bearer ${fresh.access_token}`);
        retried.add(again);
        return (options.fetch ?? globalThis.fetch)(again);
      }
      if (SIGN_IN_AGAIN.has(body.code)) options.tokens.set(undefined);
      return response;
    },
  };
  api.use(bearer);
  return api;
}
