import { Inject, Injectable } from '@nestjs/common';
import type { Payload } from '@temporalio/common';
import { decodeJwt } from 'jose';
import type { AppConfig } from '../../../../src/config/config.js';
import { ADMINISTRATOR_ROLE, type Identity, NATIONAL_JURISDICTION, OPS_ROLE } from '../../../../src/identity/identity.js';
import { type EncryptionCodec, PayloadDecryptionError } from '../../../../src/payload-encryption/encryption-codec.js';
import { type FieldProblem, ForbiddenError, ValidationError } from '../common/domain-errors.js';
import { APP_CONFIG, PAYLOAD_CODEC } from '../common/injection-tokens.js';
import type { CodecPayloadDto, CodecPayloadsDto } from './codec.dto.js';

/**
 * Who may have payloads decoded (and encoded): administrators and operations staff — the people who read
 * workflow histories in the Temporal Web UI to see why a process is stuck — and only national ones. A
 * namespace holds every jurisdiction's cycles and a payload does not say whose it is, so decoding for a
 * county user would show other counties' supervised persons to them.
 */
export const CODEC_ROLES = [ADMINISTRATOR_ROLE, OPS_ROLE] as const;

/** The cookie that carries a browser's access token to the codec routes (and nowhere else: its path is /codec). */
export const CODEC_SESSION_COOKIE = 'procureflow_codec';

/**
 * Temporal's codec-server protocol for the Web UI and the Temporal CLI: decodes and encodes payloads with
 * the keys the workers and the API's clients use, for authorised people only.
 */
@Injectable()
export class CodecService {
  constructor(
    @Inject(PAYLOAD_CODEC) private readonly codec: EncryptionCodec,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async decode(user: Identity, namespace: string | undefined, body: CodecPayloadsDto): Promise<CodecPayloadsDto> {
    this.authorise(user, namespace);
    const problems: FieldProblem[] = [];
    const payloads = body.payloads.map((payload, index) => {
      try {
        return this.codec.decrypt(fromJson(payload));
      } catch (error) {
        if (!(error instanceof PayloadDecryptionError)) throw error;
        problems.push({ field: `payloads[${index}]`, problem: error.message });
        return undefined;
      }
    });
    if (problems.length > 0) {
      throw new ValidationError(`${problems.length} of the ${payloads.length} payloads cannot be decoded; nothing was decoded.`, problems);
    }
    return { payloads: payloads.map((payload) => toJson(payload as Payload)) };
  }

  async encode(user: Identity, namespace: string | undefined, body: CodecPayloadsDto): Promise<CodecPayloadsDto> {
    this.authorise(user, namespace);
    return { payloads: body.payloads.map((payload) => toJson(this.codec.encrypt(fromJson(payload)))) };
  }

  /**
   * When a browser session for `user`, carrying `token`, ends: when the token expires. Throws a
   * ForbiddenError when `user` may not decode, so no session is opened for nothing.
   */
  sessionEnd(user: Identity, token: string): Date {
    this.authorise(user, undefined);
    // The token has been verified, exp included; only its expiry is read here.
    return new Date((decodeJwt(token).exp ?? 0) * 1000);
  }

  private authorise(user: Identity, namespace: string | undefined): void {
    const refusal = codecRefusal(user);
    if (refusal) throw new ForbiddenError(refusal);
    const served = this.config.temporal.namespace;
    // The Temporal CLI sends an empty X-Namespace unless told a namespace: that is "unspecified", not another one.
    if (namespace && namespace !== served) {
      throw new ForbiddenError(`This codec serves the Temporal namespace "${served}" only, not "${namespace}".`, [
        { field: 'X-Namespace', problem: `must be "${served}" (or absent)` },
      ]);
    }
  }
}

/** Why `user` may not have payloads decoded, or undefined when they may. */
export function codecRefusal(user: Identity): string | undefined {
  if (!CODEC_ROLES.some((role) => user.roles.includes(role))) {
    return `Only a user with the role ${CODEC_ROLES.map((r) => `"${r}"`).join(' or ')} may have workflow payloads decoded; ${user.userId} has ${
      user.roles.length === 0 ? 'no roles' : `the roles ${user.roles.map((r) => `"${r}"`).join(', ')}`
    }.`;
  }
  if (user.jurisdiction !== NATIONAL_JURISDICTION) {
    return `Workflow payloads hold every jurisdiction's data, so only national (${NATIONAL_JURISDICTION}) users may have them decoded; ${user.userId} acts for "${user.jurisdiction}".`;
  }
  return undefined;
}

function fromJson(payload: CodecPayloadDto): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([name, value]) => [name, Buffer.from(value, 'base64')])),
    data: Buffer.from(payload.data ?? '', 'base64'),
  };
}

function toJson(payload: Payload): CodecPayloadDto {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([name, value]) => [name, Buffer.from(value).toString('base64')])),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  };
}
