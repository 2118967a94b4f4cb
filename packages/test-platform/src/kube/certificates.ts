import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

/** Files of the control plane's PKI, all PEM. */
export interface ControlPlaneCertificates {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

function openssl(dir: string, ...args: string[]) {
  execFileSync('openssl', args, {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

/**
 * Creates a throw-away CA, a serving certificate for 127.0.0.1/localhost signed by it, and the
 * key pair that signs service-account tokens, with the openssl CLI (as envtest does).
 */
export function createCertificates(dir: string): ControlPlaneCertificates {
  fs.mkdirSync(dir, { recursive: true });
  const f = (name: string) => path.join(dir, name);
  openssl(
    dir,
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=idp-test-platform-ca',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  );
  openssl(
    dir,
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=kube-apiserver',
    '-keyout',
    'serving.key',
    '-out',
    'serving.csr',
  );
  fs.writeFileSync(
    f('serving.ext'),
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:10.0.0.1',
    ].join('\n'),
  );
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    'serving.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'serving.ext',
    '-out',
    'serving.crt',
  );
  openssl(dir, 'genrsa', '-out', 'sa.key', '2048');
  openssl(dir, 'rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub');
  return {
    caCert: f('ca.crt'),
    caKey: f('ca.key'),
    servingCert: f('serving.crt'),
    servingKey: f('serving.key'),
    serviceAccountKey: f('sa.key'),
    serviceAccountPub: f('sa.pub'),
  };
}
