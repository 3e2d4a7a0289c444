-- Participant records from every station (issue 23 item 10). Codes are pseudonymous and chosen per
-- station, so the key is the station-minted id and (station_id, code) is unique, not code alone.
-- Demographics arrive only for participants who consented to central sync; a record whose consent was
-- withdrawn arrives with them cleared, so the centre knows to stop using that participant's data.
CREATE TABLE participants (
  id                       uuid PRIMARY KEY,
  station_id               uuid NOT NULL REFERENCES stations(station_id),
  code                     text NOT NULL,
  consent_form_version     text NOT NULL,
  consent_date             text NOT NULL CHECK (consent_date ~ '^\d{4}-\d{2}-\d{2}$'),  -- YYYY-MM-DD as the station has it
  consent_local_recording  boolean NOT NULL,
  consent_central_sync     boolean NOT NULL,
  consent_data_sharing     boolean NOT NULL,
  age                      integer,
  sex                      text,
  handedness               text,
  created_at               timestamptz NOT NULL,
  updated_at               timestamptz NOT NULL,
  version                  integer NOT NULL,
  received_at              timestamptz NOT NULL DEFAULT now(),
  UNIQUE (station_id, code)
);
