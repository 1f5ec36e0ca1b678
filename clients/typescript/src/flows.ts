/**
 * The flows of docs/flows.md as typed calls: what a mini program or app does, step by step. They
 * compile against the generated types, so a change of the API that would break a client breaks
 * `tsc` in the test suite first (tests/clients/test_typescript.py).
 */
import type { Schemas, SuqianClient, TokenStore } from "./index";

export class ApiError extends Error {
  constructor(
    readonly problem: Schemas["Problem"],
    readonly response: Response,
  ) {
    super(`${problem.code}: ${problem.detail ?? problem.title}`);
  }
}

function ok<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) {
    throw new ApiError(result.error as Schemas["Problem"], result.response);
  }
  return result.data;
}

/** App registration: an SMS code to the phone, then real-name registration (registry + operator check). */
export async function register(
  api: SuqianClient,
  tokens: TokenStore,
  person: { phone: string; name: string; id_number: string; password?: string },
  readSmsCode: () => Promise<string>,
): Promise<Schemas["CitizenRead"]> {
  ok(await api.POST("/api/v1/auth/sms-codes", { body: { phone: person.phone, purpose: "register" } }));
  const registered = ok(
    await api.POST("/api/v1/auth/register", { body: { ...person, sms_code: await readSmsCode() } }),
  );
  tokens.set(registered.tokens);
  return registered.citizen;
}

/** App login with an SMS code. */
export async function smsLogin(
  api: SuqianClient,
  tokens: TokenStore,
  phone: string,
  readSmsCode: () => Promise<string>,
): Promise<Schemas["TokenPair"]> {
  ok(await api.POST("/api/v1/auth/sms-codes", { body: { phone, purpose: "login" } }));
  const pair = ok(
    await api.POST("/api/v1/auth/token", {
      body: { grant_type: "sms_code", phone, sms_code: await readSmsCode() },
    }),
  );
  tokens.set(pair);
  return pair;
}

/** Mini-program login: wx.login's code; a first-time user gets a bind ticket to prove who they are. */
export async function wechatLogin(
  api: SuqianClient,
  tokens: TokenStore,
  loginCode: string,
  proveIdentity: (ticket: Schemas["BindRequired"]) => Promise<Omit<Schemas["BindRequest"], "bind_ticket">>,
): Promise<Schemas["Authenticated"]> {
  let answer = ok(await api.POST("/mp/v1/wechat/login", { body: { code: loginCode } }));
  while (answer.status === "bind_required") {
    const proof = await proveIdentity(answer);
    answer = ok(await api.POST("/mp/v1/bind", { body: { ...proof, bind_ticket: answer.bind_ticket } }));
  }
  tokens.set({
    access_token: answer.access_token,
    refresh_token: answer.refresh_token,
    expires_in: answer.expires_in,
    token_type: answer.token_type,
  });
  return answer;
}

/** The online code: show `code` as a QR, fetch a new one after `refresh_in` seconds. */
export async function onlineCode(api: SuqianClient): Promise<Schemas["CodeRead"]> {
  return ok(await api.GET("/api/v1/citizen-code"));
}

/** Offline mode: register the phone's public key, keep the holder credential it answers. */
export async function enrolDevice(
  api: SuqianClient,
  publicKeyBase64: string,
  label: string,
): Promise<Schemas["DeviceEnrolled"]> {
  return ok(await api.POST("/api/v1/citizen-code/devices", { body: { public_key: publicKeyBase64, label } }));
}

/** A gate scanner: its credential for a token, then a verdict per scanned code. */
export async function scannerToken(
  api: SuqianClient,
  device_id: string,
  credential: string,
): Promise<Schemas["DeviceToken"]> {
  return ok(await api.POST("/api/v1/scanner/token", { body: { device_id, credential } }));
}

export async function verifyAtGate(
  api: SuqianClient,
  deviceToken: string,
  code: string,
): Promise<Schemas["VerifyResult"]> {
  return ok(
    await api.POST("/api/v1/scanner/verify", {
      body: { code },
      headers: { authorization: `Bearer ${deviceToken}` },
    }),
  );
}

/** An application (一网通办): draft, fill, submit; field errors come back in `errors`. */
export async function submitApplication(
  api: SuqianClient,
  item_code: string,
  data: Record<string, unknown>,
): Promise<Schemas["ApplicationRead"]> {
  const draft = ok(await api.POST("/api/v1/applications", { body: { item_code } }));
  const path = { application_id: draft.id };
  const saved = ok(await api.PUT("/api/v1/applications/{application_id}/data", { params: { path }, body: { data } }));
  if (saved.errors.length > 0) {
    throw new Error(saved.errors.map((e) => `${e.path}: ${e.message}`).join("; "));
  }
  return ok(await api.POST("/api/v1/applications/{application_id}/submit", { params: { path } }));
}

/** A ticket: hold places, pay, show the ticket's rotating code at the gate, which redeems it. */
export async function buyTicket(
  api: SuqianClient,
  slot_id: string,
  tickets: Schemas["HoldCreate"]["tickets"],
  channel: Schemas["HoldPay"]["channel"],
): Promise<void> {
  ok(await api.POST("/api/v1/tourism/holds", { body: { slot_id, tickets } }));
  const holds = ok(await api.GET("/api/v1/tourism/holds"));
  const hold = holds.items.find((h) => h.slot_id === slot_id && h.state === "held");
  if (hold === undefined) throw new Error("the hold is not listed");
  ok(await api.POST("/api/v1/tourism/holds/{hold_id}/pay", { params: { path: { hold_id: hold.id } }, body: { channel } }));
}

export async function ticketCode(api: SuqianClient, ticket_id: string): Promise<Schemas["TicketCodeRead"]> {
  return ok(await api.GET("/api/v1/tourism/tickets/{ticket_id}/code", { params: { path: { ticket_id } } }));
}

export async function redeemAtGate(
  api: SuqianClient,
  deviceToken: string,
  code: string,
): Promise<Schemas["Redeemed"]> {
  return ok(
    await api.POST("/api/v1/tourism/gate/redeem", {
      body: { code },
      headers: { authorization: `Bearer ${deviceToken}` },
    }),
  );
}
