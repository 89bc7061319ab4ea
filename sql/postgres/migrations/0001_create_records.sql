-- Records: one JSON object per row, owned by one user.
-- Timestamps keep milliseconds, the precision of the API's RFC 3339 values and of the
-- pagination cursor, so a value read back compares equal to the value stored.
CREATE TABLE records (
  id          uuid           NOT NULL,
  user_id     varchar(128)   NOT NULL,
  payload     jsonb          NOT NULL,
  created_at  timestamptz(3) NOT NULL,
  updated_at  timestamptz(3) NOT NULL,
  version     integer        NOT NULL DEFAULT 1,
  CONSTRAINT records_pkey PRIMARY KEY (id),
  CONSTRAINT records_payload_is_object CHECK (jsonb_typeof(payload) = 'object'),
  CONSTRAINT records_version_positive CHECK (version >= 1),
  CONSTRAINT records_user_id_shape CHECK (user_id ~ '^[A-Za-z0-9._@:-]{1,128}$')
);

-- The list: one user's records, newest first, keyset-paginated on (created_at, id).
CREATE INDEX records_user_created_idx ON records (user_id, created_at DESC, id DESC);
