/** Reading rendered manifests: containers, their effective environment, the role of a Deployment. */
import type { K8sObject } from './tools';

export type EnvVar = { name: string; value?: string; valueFrom?: any };
export type Container = { name: string; env?: EnvVar[]; envFrom?: any[]; [k: string]: any };

export const ofKind = (objs: readonly K8sObject[], kind: string): K8sObject[] => objs.filter((o) => o.kind === kind);

export const roleOf = (o: K8sObject): string => o.metadata.labels?.['app.kubernetes.io/component'] ?? '';

/** Every container (and init container) of the workloads: Deployments and Jobs. */
export function workloadContainers(objs: readonly K8sObject[]): { owner: K8sObject; container: Container }[] {
  const out: { owner: K8sObject; container: Container }[] = [];
  for (const o of objs) {
    if (o.kind !== 'Deployment' && o.kind !== 'Job') continue;
    const pod = o.spec.template.spec;
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) out.push({ owner: o, container: c });
  }
  return out;
}

/**
 * The environment a container would see, as Kubernetes builds it: envFrom ConfigMaps first, then `env`
 * (which wins). Secret references are resolved through `secretValue(name)`, the fake Secret contents.
 */
export function effectiveEnv(
  objs: readonly K8sObject[],
  container: Container,
  secretValue: (envName: string, ref: { name: string; key: string }) => string,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const name = from.configMapRef?.name;
    if (!name) throw new Error(`unexpected envFrom source ${JSON.stringify(from)}`);
    const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
    if (!cm) throw new Error(`envFrom names ConfigMap ${name}, which the chart does not render`);
    Object.assign(env, cm.data ?? {});
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = String(e.value);
    else if (e.valueFrom?.secretKeyRef) env[e.name] = secretValue(e.name, e.valueFrom.secretKeyRef);
    else if (e.valueFrom?.fieldRef) env[e.name] = `field:${e.valueFrom.fieldRef.fieldPath}`;
    else env[e.name] = '';
  }
  return env;
}

/** Walks an object, calling `visit` with the path and every string leaf. */
export function walkStrings(node: unknown, visit: (path: string, value: string) => void, path = ''): void {
  if (typeof node === 'string') visit(path, node);
  else if (Array.isArray(node)) node.forEach((v, i) => walkStrings(v, visit, `${path}[${i}]`));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) walkStrings(v, visit, path ? `${path}.${k}` : k);
  }
}
