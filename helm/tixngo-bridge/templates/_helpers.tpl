{{/*
Names and labels.
*/}}
{{- define "tixngo-bridge.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tixngo-bridge.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Name of a role's objects: <fullname>-<role>, at most 63 characters. Argument: dict root role. */}}
{{- define "tixngo-bridge.roleFullname" -}}
{{- $base := include "tixngo-bridge.fullname" .root | trunc (int (sub 62 (len .role))) | trimSuffix "-" -}}
{{- printf "%s-%s" $base .role -}}
{{- end -}}

{{- define "tixngo-bridge.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tixngo-bridge.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tixngo-bridge.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "tixngo-bridge.labels" -}}
helm.sh/chart: {{ include "tixngo-bridge.chart" . }}
{{ include "tixngo-bridge.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tixngo-bridge
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Argument: dict root role. */}}
{{- define "tixngo-bridge.roleSelectorLabels" -}}
{{ include "tixngo-bridge.selectorLabels" .root }}
app.kubernetes.io/component: {{ .role }}
{{- end -}}

{{- define "tixngo-bridge.roleLabels" -}}
{{ include "tixngo-bridge.labels" .root }}
app.kubernetes.io/component: {{ .role }}
{{- end -}}

{{- define "tixngo-bridge.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "tixngo-bridge.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "tixngo-bridge.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{/*
Roles. The order is fixed so that renders are stable.
*/}}
{{- define "tixngo-bridge.allRoles" -}}inject cancel control holder-sync{{- end -}}
{{- define "tixngo-bridge.consumerRoles" -}}inject cancel control{{- end -}}

{{/* The config group and env prefix of a consumer role, and the topic its lag is measured on. */}}
{{- define "tixngo-bridge.roleEnvPrefix" -}}{{ . | replace "-" "_" | upper }}{{- end -}}
{{- define "tixngo-bridge.roleTopicKey" -}}
{{- get (dict "inject" "ticketPrintedEligible" "cancel" "ticketCancelled" "control" "ticketControlled") . -}}
{{- end -}}

{{/* Effective consumer group of a role (dict root role): config.<role>.groupId, else <prefix>-<role>. */}}
{{- define "tixngo-bridge.groupId" -}}
{{- $cfg := get .root.Values.config .role -}}
{{- $cfg.groupId | default (printf "%s-%s" .root.Values.config.kafka.groupIdPrefix .role) -}}
{{- end -}}

{{/*
Values -> environment. The one mapping rule: config.<group>.<key> and secrets.<group>.<key> become
<GROUP>_<KEY>, each camelCase part turned into UPPER_SNAKE_CASE.
*/}}
{{- define "tixngo-bridge.envName" -}}
{{- printf "%s_%s" (snakecase .group) (snakecase .key) | upper -}}
{{- end -}}

{{/* A value as the service reads it: lists joined by ",", booleans true/false, numbers in full. */}}
{{- define "tixngo-bridge.envValue" -}}
{{- $v := . -}}
{{- if kindIs "slice" $v -}}
{{- $parts := list -}}
{{- range $v }}{{ $parts = append $parts (include "tixngo-bridge.envValue" .) }}{{ end -}}
{{- join "," $parts -}}
{{- else if kindIs "bool" $v -}}
{{- ternary "true" "false" $v -}}
{{- else if or (kindIs "float64" $v) (kindIs "int64" $v) (kindIs "int" $v) -}}
{{- if eq (float64 $v) (float64 (int64 $v)) -}}{{ int64 $v }}{{- else -}}{{ $v }}{{- end -}}
{{- else if kindIs "invalid" $v -}}
{{- else -}}
{{- $v -}}
{{- end -}}
{{- end -}}

{{- define "tixngo-bridge.kafkaCaPath" -}}/etc/tixngo-bridge/kafka-ca/{{ .Values.kafkaCa.key }}{{- end -}}
{{- define "tixngo-bridge.templatePath" -}}/etc/tixngo-bridge/template/{{ .Values.injectTemplate.key }}{{- end -}}
{{- define "tixngo-bridge.organizationsPath" -}}/etc/tixngo-bridge/organizations/{{ .Values.organizationsSecret.key }}{{- end -}}
{{/* Several organizations in one release: the organizations file comes from a Secret. */}}
{{- define "tixngo-bridge.organizationsFromFile" -}}{{ if .Values.organizationsSecret.name }}true{{ end }}{{- end -}}
{{- define "tixngo-bridge.kafkaCaEnabled" -}}{{ if or .Values.kafkaCa.existingSecret .Values.kafkaCa.existingConfigMap }}true{{ end }}{{- end -}}
{{- define "tixngo-bridge.templateEnabled" -}}{{ if or .Values.injectTemplate.existingConfigMap .Values.injectTemplate.content }}true{{ end }}{{- end -}}
{{- define "tixngo-bridge.templateConfigMapName" -}}
{{- .Values.injectTemplate.existingConfigMap | default (printf "%s-template" (include "tixngo-bridge.fullname" .)) -}}
{{- end -}}

{{/*
The non-secret environment, as a YAML map NAME: "value" (empty values left out). The ConfigMap holds it;
the schema-registration Job gets it as literals (a pre-install hook runs before the ConfigMap exists).
*/}}
{{- define "tixngo-bridge.configEnv" -}}
{{- $env := dict -}}
{{- range $group, $keys := .Values.config -}}
{{- range $key, $value := $keys -}}
{{- $s := include "tixngo-bridge.envValue" $value -}}
{{- if ne $s "" -}}
{{- $_ := set $env (include "tixngo-bridge.envName" (dict "group" $group "key" $key)) $s -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if include "tixngo-bridge.kafkaCaEnabled" . -}}
{{- $_ := set $env "KAFKA_SSL_CA_FILE" (include "tixngo-bridge.kafkaCaPath" .) -}}
{{- end -}}
{{- if include "tixngo-bridge.templateEnabled" . -}}
{{- $_ := set $env "INJECT_TEMPLATE_FILE" (include "tixngo-bridge.templatePath" .) -}}
{{- end -}}
{{- if include "tixngo-bridge.organizationsFromFile" . -}}
{{- /* Each organization's entry gives its own TIXnGO account; the service refuses these beside the file. */ -}}
{{- $env = omit $env "TIXNGO_BASE_URL" "HOLDER_SYNC_ORGANIZER_ID" -}}
{{- $_ := set $env "BRIDGE_ORGANIZATIONS_FILE" (include "tixngo-bridge.organizationsPath" .) -}}
{{- end -}}
{{- toYaml $env -}}
{{- end -}}

{{/*
Secret env vars as EnvVar items with secretKeyRef (entries whose key is empty are left out, and
TIXNGO_API_KEY when the organizations file gives each organization its own).
*/}}
{{- define "tixngo-bridge.secretEnv" -}}
{{- $root := . -}}
{{- $fromFile := include "tixngo-bridge.organizationsFromFile" . -}}
{{- range $group, $entries := .Values.secrets -}}
{{- if kindIs "map" $entries -}}
{{- range $key, $ref := $entries -}}
{{- if and $ref.key (not (and $fromFile (eq $group "tixngo") (eq $key "apiKey"))) }}
- name: {{ include "tixngo-bridge.envName" (dict "group" $group "key" $key) }}
  valueFrom:
    secretKeyRef:
      name: {{ $ref.existingSecret | default $root.Values.secrets.existingSecret | quote }}
      key: {{ $ref.key | quote }}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Names of the variables that only ever come from Secrets. */}}
{{- define "tixngo-bridge.secretEnvNames" -}}
{{- $names := list -}}
{{- range $group, $entries := .Values.secrets -}}
{{- if kindIs "map" $entries -}}
{{- range $key, $_ := $entries -}}
{{- $names = append $names (include "tixngo-bridge.envName" (dict "group" $group "key" $key)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- join " " $names -}}
{{- end -}}

{{/* ceil(drainMs / 1000) + extra: always longer than the drain deadline. */}}
{{- define "tixngo-bridge.terminationGracePeriodSeconds" -}}
{{- $drainMs := int64 .Values.config.shutdown.drainMs -}}
{{- add (div (add $drainMs 999) 1000) (int64 .Values.terminationGracePeriodExtraSeconds) -}}
{{- end -}}

{{/*
Checks the schema cannot express. Each failure names the value to fix.
*/}}
{{- define "tixngo-bridge.validate" -}}
{{- $v := .Values -}}
{{- $root := . -}}
{{- $enabled := list -}}
{{- range $role := splitList " " (include "tixngo-bridge.allRoles" .) -}}
{{- if (get $v.roles $role).enabled }}{{ $enabled = append $enabled $role }}{{ end -}}
{{- end -}}
{{- if eq (len $enabled) 0 -}}
{{- fail "roles: enable at least one of inject, cancel, control, holder-sync" -}}
{{- end -}}
{{- if include "tixngo-bridge.organizationsFromFile" . -}}
{{- if $v.config.tixngo.baseUrl -}}
{{- fail "config.tixngo.baseUrl: organizationsSecret is set, so each organization's entry in the file gives its own TIXNGO_BASE_URL; leave this empty" -}}
{{- end -}}
{{- if ne $v.config.holderSync.organizerId "default" -}}
{{- fail "config.holderSync.organizerId: organizationsSecret is set, so each organization's entry in the file names its TIXnGO organizer (HOLDER_SYNC_ORGANIZER_ID); leave this at its default" -}}
{{- end -}}
{{- else if not $v.secrets.tixngo.apiKey.key -}}
{{- fail "secrets.tixngo.apiKey.key: TIXNGO_API_KEY is required; name its key in the Secret" -}}
{{- end -}}
{{- if not $v.secrets.mongodb.uri.key -}}
{{- fail "secrets.mongodb.uri.key: MONGODB_URI is required; name its key in the Secret" -}}
{{- end -}}
{{- $sasl := and $v.secrets.kafka.saslUsername.key $v.secrets.kafka.saslPassword.key -}}
{{- if and $v.config.kafka.saslMechanism (not $sasl) -}}
{{- fail "config.kafka.saslMechanism is set: set secrets.kafka.saslUsername.key and secrets.kafka.saslPassword.key" -}}
{{- end -}}
{{- if and (not $v.config.kafka.saslMechanism) (or $v.secrets.kafka.saslUsername.key $v.secrets.kafka.saslPassword.key) -}}
{{- fail "secrets.kafka.sasl* are set but config.kafka.saslMechanism is not" -}}
{{- end -}}
{{- if ne (not $v.secrets.schemaRegistry.username.key) (not $v.secrets.schemaRegistry.password.key) -}}
{{- fail "secrets.schemaRegistry: set both username.key and password.key, or neither" -}}
{{- end -}}
{{- if and $v.kafkaCa.existingSecret $v.kafkaCa.existingConfigMap -}}
{{- fail "kafkaCa: give existingSecret or existingConfigMap, not both" -}}
{{- end -}}
{{- if and (include "tixngo-bridge.kafkaCaEnabled" .) $v.config.kafka.sslCaFile -}}
{{- fail "kafkaCa mounts the CA and sets KAFKA_SSL_CA_FILE: leave config.kafka.sslCaFile empty" -}}
{{- end -}}
{{- if and (include "tixngo-bridge.kafkaCaEnabled" .) (not $v.config.kafka.ssl) -}}
{{- fail "kafkaCa is set but config.kafka.ssl is false" -}}
{{- end -}}
{{- if and $v.injectTemplate.existingConfigMap $v.injectTemplate.content -}}
{{- fail "injectTemplate: give existingConfigMap or content, not both" -}}
{{- end -}}
{{- if and (include "tixngo-bridge.templateEnabled" .) $v.config.inject.templateFile -}}
{{- fail "injectTemplate mounts the template and sets INJECT_TEMPLATE_FILE: leave config.inject.templateFile empty" -}}
{{- end -}}
{{- $groups := dict -}}
{{- range $role := splitList " " (include "tixngo-bridge.consumerRoles" .) -}}
{{- $r := get $v.roles $role -}}
{{- if $r.enabled -}}
{{- $gid := include "tixngo-bridge.groupId" (dict "root" $root "role" $role) -}}
{{- if hasKey $groups $gid -}}
{{- fail (printf "roles %s and %s would share the consumer group %q: each role needs its own (config.<role>.groupId)" (get $groups $gid) $role $gid) -}}
{{- end -}}
{{- $_ := set $groups $gid $role -}}
{{- if gt (int $r.replicaCount) (int $r.partitions) -}}
{{- fail (printf "roles.%s.replicaCount (%d) exceeds roles.%s.partitions (%d): extra consumers would sit idle" $role (int $r.replicaCount) $role (int $r.partitions)) -}}
{{- end -}}
{{- if $r.autoscaling.enabled -}}
{{- if gt (int $r.autoscaling.maxReplicaCount) (int $r.partitions) -}}
{{- fail (printf "roles.%s.autoscaling.maxReplicaCount (%d) exceeds roles.%s.partitions (%d)" $role (int $r.autoscaling.maxReplicaCount) $role (int $r.partitions)) -}}
{{- end -}}
{{- if gt (int $r.autoscaling.minReplicaCount) (int $r.autoscaling.maxReplicaCount) -}}
{{- fail (printf "roles.%s.autoscaling.minReplicaCount exceeds maxReplicaCount" $role) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $secretNames := splitList " " (include "tixngo-bridge.secretEnvNames" .) -}}
{{- $extra := $v.extraEnv -}}
{{- range $role := splitList " " (include "tixngo-bridge.allRoles" .) -}}
{{- $extra = concat $extra ((get $v.roles $role).extraEnv | default list) -}}
{{- end -}}
{{- range $e := $extra -}}
{{- if and (has $e.name $secretNames) (hasKey $e "value") -}}
{{- fail (printf "extraEnv %s: a secret is never a value in the chart; use valueFrom.secretKeyRef or secrets.*" $e.name) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Pod volumes and mounts: /tmp, the Kafka CA, the ticket template and the organizations file. Argument: dict
root, rolePod (bool: a role pod or the support CLI's one-off pod, which read the whole configuration).
Every role pod mounts the template and the organizations file because the service reads them at start-up
whatever its role; the hook Job does not (a chart-made template ConfigMap does not exist yet when a
pre-install hook runs, and registering schemas needs neither).
*/}}
{{- define "tixngo-bridge.volumes" -}}
{{- $v := .root.Values -}}
- name: tmp
  emptyDir:
    {{- with $v.tmpVolume.sizeLimit }}
    sizeLimit: {{ . }}
    {{- end }}
{{- if $v.kafkaCa.existingSecret }}
- name: kafka-ca
  secret:
    secretName: {{ $v.kafkaCa.existingSecret }}
    items:
      - key: {{ $v.kafkaCa.key }}
        path: {{ $v.kafkaCa.key }}
{{- else if $v.kafkaCa.existingConfigMap }}
- name: kafka-ca
  configMap:
    name: {{ $v.kafkaCa.existingConfigMap }}
    items:
      - key: {{ $v.kafkaCa.key }}
        path: {{ $v.kafkaCa.key }}
{{- end }}
{{- if and .rolePod (include "tixngo-bridge.templateEnabled" .root) }}
- name: inject-template
  configMap:
    name: {{ include "tixngo-bridge.templateConfigMapName" .root }}
    items:
      - key: {{ $v.injectTemplate.key }}
        path: {{ $v.injectTemplate.key }}
{{- end }}
{{- if and .rolePod (include "tixngo-bridge.organizationsFromFile" .root) }}
- name: organizations
  secret:
    secretName: {{ $v.organizationsSecret.name }}
    # 0440: it holds every organization's API key; readable by the pod's group (fsGroup) only.
    defaultMode: 288
    items:
      - key: {{ $v.organizationsSecret.key }}
        path: {{ $v.organizationsSecret.key }}
{{- end }}
{{- end -}}

{{- define "tixngo-bridge.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if include "tixngo-bridge.kafkaCaEnabled" .root }}
- name: kafka-ca
  mountPath: /etc/tixngo-bridge/kafka-ca
  readOnly: true
{{- end }}
{{- if and .rolePod (include "tixngo-bridge.templateEnabled" .root) }}
- name: inject-template
  mountPath: /etc/tixngo-bridge/template
  readOnly: true
{{- end }}
{{- if and .rolePod (include "tixngo-bridge.organizationsFromFile" .root) }}
- name: organizations
  mountPath: /etc/tixngo-bridge/organizations
  readOnly: true
{{- end }}
{{- end -}}
