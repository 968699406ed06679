export type Identity = "anonymous" | "applicant" | "manager" | "finance" | "admin";

/**
 * One route in the authorization matrix. `allow` lists who may use it; everyone else must be
 * refused (anonymous: redirect to /login for GET, 403 for POST; other roles: 403). Each area
 * keeps its cases in its own file in this folder; test/e2e/authz-matrix.test.ts runs them all.
 */
export interface AuthzCase {
  method: "GET" | "POST";
  path: string;
  allow: Identity[];
  /** Ends the session of whoever is allowed (sign-out): the matrix signs them in again afterwards. */
  endsSession?: boolean;
}
