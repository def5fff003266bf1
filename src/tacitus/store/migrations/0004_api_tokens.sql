-- Access tokens of the HTTP API (`tacitus token create`). A token is shown once, when created;
-- only a salted SHA-256 of its secret part is kept. Tokens are long random strings, not
-- passwords, so a fast hash is enough: nobody can guess one to test against the hash.
-- role: reader (may read when the server requires a token) or writer (may also add documents).
CREATE TABLE api_tokens (
    id          VARCHAR PRIMARY KEY,   -- the public part, printed in the token and by `token list`
    role        VARCHAR NOT NULL,
    salt        VARCHAR NOT NULL,      -- hex
    hash        VARCHAR NOT NULL,      -- hex sha256(salt bytes || secret)
    label       VARCHAR,
    created_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP
);
