// Bad values of the Ports options (NOMAD_PORTS and its companions) and the one message each must produce; part of
// BAD_INPUT (bad-input.ts), so each is checked by the config unit tests and through the real binary by the CLI tests.
const EXPECTED = 'expected a comma-separated list of [label=]port, e.g. web=3000,api=8080 (labels a-z, 0-9 and -; ports 1-65535), or devcontainer';
const LABEL = 'is not lower-case a-z, 0-9 and - (at most 32 characters, starting and ending with a letter or digit)';
const EMPTY = (name: string) =>
  `${name} is set but NOMAD_PORTS is empty: expected NOMAD_PORTS to name the ports to publish too (devpod provider set-options -o NOMAD_PORTS=web=3000)`;

export const PORTS_BAD_INPUT: [string, Record<string, string>, string][] = [
  [
    'a port that is not a number',
    { NOMAD_PORTS: 'web=abc' },
    `NOMAD_PORTS="web=abc" is not valid: ${EXPECTED} ("web=abc" has no port from 1 to 65535)`,
  ],
  ['a port above 65535', { NOMAD_PORTS: '70000' }, `NOMAD_PORTS="70000" is not valid: ${EXPECTED} ("70000" has no port from 1 to 65535)`],
  ['port 0', { NOMAD_PORTS: 'web=0' }, `NOMAD_PORTS="web=0" is not valid: ${EXPECTED} ("web=0" has no port from 1 to 65535)`],
  ['an upper-case label', { NOMAD_PORTS: 'Web=3000' }, `NOMAD_PORTS="Web=3000" is not valid: ${EXPECTED} (label "Web" ${LABEL})`],
  ['a label ending with -', { NOMAD_PORTS: 'web-=3000' }, `NOMAD_PORTS="web-=3000" is not valid: ${EXPECTED} (label "web-" ${LABEL})`],
  [
    'a label used twice',
    { NOMAD_PORTS: 'web=3000,web=8080' },
    `NOMAD_PORTS="web=3000,web=8080" is not valid: ${EXPECTED} (label "web" is used twice)`,
  ],
  [
    'a default label used twice',
    { NOMAD_PORTS: '3000,p3000=8080' },
    `NOMAD_PORTS="3000,p3000=8080" is not valid: ${EXPECTED} (label "p3000" is used twice)`,
  ],
  ['an empty entry', { NOMAD_PORTS: '3000,,8080' }, `NOMAD_PORTS="3000,,8080" is not valid: ${EXPECTED} (an empty entry)`],
  [
    'a host network name with a blank',
    { NOMAD_PORTS: 'web=3000', NOMAD_PORTS_HOST_NETWORK: 'my net' },
    'NOMAD_PORTS_HOST_NETWORK="my net" is not valid: expected the name of a host_network of the Nomad clients, e.g. private',
  ],
  [
    'an empty service tag',
    { NOMAD_PORTS: 'web=3000', NOMAD_SERVICE_TAGS: 'a,,b' },
    'NOMAD_SERVICE_TAGS="a,,b" is not valid: expected tags separated by commas, none of them empty',
  ],
  [
    'an unknown tag placeholder',
    { NOMAD_PORTS: 'web=3000', NOMAD_SERVICE_TAGS: 'x=${NAME}' },
    'NOMAD_SERVICE_TAGS="x=${NAME}" is not valid: expected tags whose placeholders are ${WORKSPACE}, ${LABEL}, ${PORT}, ${SERVICE}, ${HOST} (not ${NAME})',
  ],
  [
    'a JSON tag list with a number',
    { NOMAD_PORTS: 'web=3000', NOMAD_SERVICE_TAGS: '["a", 1]' },
    'NOMAD_SERVICE_TAGS="[\\"a\\", 1]" is not valid: expected a JSON list of tag strings, or tags separated by commas',
  ],
  [
    'an ingress domain with a scheme',
    { NOMAD_PORTS: 'web=3000', NOMAD_INGRESS_DOMAIN: 'http://x.example' },
    'NOMAD_INGRESS_DOMAIN="http://x.example" is not valid: expected a DNS domain your ingress serves, optionally with :port, e.g. devpod.example.com',
  ],
  ['an ingress domain without ports', { NOMAD_INGRESS_DOMAIN: 'devpod.example' }, EMPTY('NOMAD_INGRESS_DOMAIN')],
  ['service tags without ports', { NOMAD_SERVICE_TAGS: 'traefik.enable=true' }, EMPTY('NOMAD_SERVICE_TAGS')],
  ['a host network without ports', { NOMAD_PORTS_HOST_NETWORK: 'private' }, EMPTY('NOMAD_PORTS_HOST_NETWORK')],
];

/** Why a repository's file may not set each Ports option, as the refusal says it (trust.ts), written out here. */
export const PORTS_WHY = {
  NOMAD_PORTS: "it publishes workspace ports on the node's network, where anyone who reaches the node reaches them",
  NOMAD_PORTS_HOST_NETWORK: "it picks which of the node's networks the published ports are reachable on",
  NOMAD_SERVICE_TAGS: 'tags route traffic: an ingress reading them would send requests for other hosts to the workspace',
  NOMAD_INGRESS_DOMAIN: 'it is the domain your ingress serves, shown as the URL you open',
};
