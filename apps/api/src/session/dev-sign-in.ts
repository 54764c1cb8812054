import { Injectable } from '@nestjs/common';
import type { Identity } from '../../../../src/identity/identity.js';

/** A development user and the token `npm start` signed for it. */
export interface DevCredential {
  readonly identity: Identity;
  readonly vendorName?: string;
  readonly token: string;
  readonly expiresAt: Date;
}

/**
 * The development users a sign-in page may offer. Empty unless the process is the development stack
 * (`npm start`), which offers the tokens it prints; a standalone API (docker-compose, production) never
 * offers any, so its sign-in routes answer 404 and users bring a token from the identity provider.
 */
@Injectable()
export class DevSignIn {
  private credentials: readonly DevCredential[] = [];

  offer(credentials: readonly DevCredential[]): void {
    this.credentials = credentials;
  }

  get enabled(): boolean {
    return this.credentials.length > 0;
  }

  list(): readonly DevCredential[] {
    return this.credentials;
  }

  find(userId: string): DevCredential | undefined {
    return this.credentials.find((credential) => credential.identity.userId === userId);
  }
}
