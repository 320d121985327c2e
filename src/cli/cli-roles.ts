import { ROLE_REGISTRY, type ConsumerRoleDescriptor } from '../role-registry';
import type { Role } from '../roles';
import { CliFailure } from './runtime';

/** The consumer role's descriptor, or a plain-words refusal (exit 2) for a role that is not a Kafka consumer. */
export function consumerRoleOf(role: Role): ConsumerRoleDescriptor {
  const d = ROLE_REGISTRY[role];
  if (d.kind !== 'consumer') throw new CliFailure(d.notAConsumer, 2);
  return d;
}
