import { describe, expect, it } from "vitest";
import { isConnectionUrl, keywordConnectionUrl } from "./keyword-connection.ts";

describe("keywordConnectionUrl", () => {
  it("writes libpq's keyword=value string as the URL node-postgres reads, the password a placeholder", () => {
    expect(keywordConnectionUrl("host=localhost port=5433 dbname=trovella user=trovella")).toBe(
      "postgres://trovella@localhost:5433/trovella",
    );
    expect(keywordConnectionUrl("host=db dbname=app user=me password=s3cr3t sslmode=require")).toBe(
      "postgres://me:<password>@db/app?sslmode=require",
    );
  });

  it("never carries a secret's value, quoted, escaped or bare", () => {
    const url = keywordConnectionUrl(
      "user=me password='it\\'s s3cr3t' sslpassword=k3y-s3cr3t sslkey=/keys/me.key host=db",
    );
    expect(url).toBe("postgres://me:<password>@db?sslpassword=<sslpassword>&sslkey=%2Fkeys%2Fme.key");
    expect(url).not.toMatch(/s3cr3t/);
  });

  it("reads quoted values with spaces and escaped quotes, spaces around =, and percent-encodes each part", () => {
    expect(keywordConnectionUrl("user = 'a b' dbname='it\\'s' host=db application_name=x&y")).toBe(
      "postgres://a%20b@db/it's?application_name=x%26y",
    );
  });

  it("puts a socket directory in the host parameter (a URL's host cannot hold its slashes), with the port beside it", () => {
    expect(keywordConnectionUrl("host=/var/run/postgresql port=5433 dbname=app user=me")).toBe(
      "postgres://me@/app?host=/var/run/postgresql&port=5433",
    );
  });

  it("puts an IPv6 address in brackets", () => {
    expect(keywordConnectionUrl("host=::1 port=5433 dbname=app")).toBe("postgres://[::1]:5433/app");
  });

  it("is undefined for what is not that form: a URL, a word, an unterminated quote", () => {
    expect(keywordConnectionUrl("postgres://me@db/app")).toBeUndefined();
    expect(keywordConnectionUrl("localhost")).toBeUndefined();
    expect(keywordConnectionUrl("host='db")).toBeUndefined();
  });
});

describe("isConnectionUrl", () => {
  it("takes a URL of any scheme and node-postgres' socket form, not libpq's keywords or a bare host", () => {
    expect(isConnectionUrl("postgres://me@db/app")).toBe(true);
    expect(isConnectionUrl("socket:/var/run/postgresql?db=app")).toBe(true);
    expect(isConnectionUrl("/var/run/postgresql app")).toBe(true);
    expect(isConnectionUrl("host=db dbname=app")).toBe(false);
    expect(isConnectionUrl("localhost")).toBe(false);
  });
});
