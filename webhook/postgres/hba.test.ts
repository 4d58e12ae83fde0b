// The pg_hba checker's own cases, each decided by the hba.c (10–13) function named.
import assert from "node:assert/strict";
import { test } from "node:test";
import { judgeHbaLine } from "./hba.js";

const error = (line: string, major: 10 | 11 | 12 | 13 = 13) => judgeHbaLine(line, major).error;

test("the issue's cases: IPv4 without a mask, a missing or unknown method (parse_hba_line)", () => {
  assert.equal(error("host all all 10.0.0.1 md5"), 'invalid IP mask "md5": Name or service not known');
  assert.equal(error("host all all 10.0.0.0/8"), "end-of-line before authentication method");
  assert.equal(error("host all all 10.0.0.0/8 md4"), 'invalid authentication method "md4"');
  assert.equal(judgeHbaLine("host all all 10.0.0.0/8 md5", 13).ok, true);
  assert.equal(judgeHbaLine("host all all db.example.com md5", 13).ok, true, "a host name needs no mask");
});

test("addresses as getaddrinfo(AI_NUMERICHOST) reads them, masks as pg_sockaddr_cidr_mask", () => {
  assert.equal(judgeHbaLine("host all all 10.1/16 md5", 13).ok, true, "inet_aton's short form");
  assert.equal(error("host all all 10.0.0.0/33 md5"), 'invalid CIDR mask in address "10.0.0.0/33"');
  assert.equal(error("host all all 256.0.0.0/8 md5"), 'specifying both host name and CIDR mask is invalid: "256.0.0.0/8"');
  assert.equal(error("host all all ::1 255.255.255.255 md5"), "IP address and mask do not match");
});

test("per major: connection types, clientcert, LDAP options", () => {
  assert.equal(error("hostgssenc all all 0.0.0.0/0 gss", 11), 'invalid connection type "hostgssenc"');
  assert.equal(judgeHbaLine("hostgssenc all all 0.0.0.0/0 gss", 12).ok, true);
  assert.equal(error("hostssl all all 0.0.0.0/0 cert clientcert=0", 10), 'clientcert can not be set to 0 when using "cert" authentication');
  assert.equal(error("hostssl all all 0.0.0.0/0 cert clientcert=0", 13), 'clientcert cannot be set to "no-verify" when using "cert" authentication');
  assert.equal(error("hostssl all all 0.0.0.0/0 md5 clientcert=on", 12), 'invalid value for clientcert: "on"');
  assert.equal(
    error("host all all 0.0.0.0/0 ldap ldapserver=x ldapbasedn=dc=x ldapsearchfilter=f", 10),
    'unrecognized authentication option name: "ldapsearchfilter"',
  );
  assert.deepEqual(judgeHbaLine("host all all 0.0.0.0/0 ldap ldapserver=x ldapbasedn=dc=x ldapscheme=http", 13).warnings, ['invalid ldapscheme value: "http"']);
  assert.equal(error("host all all 0.0.0.0/0 sspi"), 'invalid authentication method "sspi": not supported by this build');
});

test("tokens (next_token): quotes, comments, @file includes from the data directory, lengths", () => {
  assert.equal(judgeHbaLine('host "my db" all 0.0.0.0/0 md5 # comment', 13).ok, true);
  assert.equal(judgeHbaLine("host @PG_VERSION all 0.0.0.0/0 md5", 13).ok, true);
  assert.equal(error("host all @users 0.0.0.0/0 md5"), 'could not open secondary authentication file "@users" as "$PGDATA/users": No such file or directory');
  const long = `host ${"d".repeat(256)} all 0.0.0.0/0 md5`;
  assert.equal(error(long, 10), "authentication file token too long");
  assert.match(judgeHbaLine(long, 13).warnings.join(), /token over 255 bytes/);
  assert.equal(error("host all all 0.0.0.0/0 md5\nhost all"), "end-of-line before role specification", "an entry with a newline is two lines");
});

test("RADIUS server names resolve only in the cluster: accepted with a warning", () => {
  const v = judgeHbaLine("host all all 0.0.0.0/0 radius radiusservers=radius.internal radiussecrets=s", 13);
  assert.equal(v.ok, true);
  assert.match(v.warnings.join(), /radius.internal/);
  assert.equal(error("host all all 0.0.0.0/0 radius radiusservers=127.0.0.1"), 'authentication method "radius" requires argument "radiussecrets" to be set');
});
