-- Each published chunk's S3 ETag, as the ETag of the run's own bytes (NULL on a local store, for chunks
-- registered before, or when the stored object's ETag is not the one of the bytes the run wrote). A reader
-- that finds the object's ETag equal to it needs no hash (S3 computes the ETag from the bytes it stores);
-- without it the object is downloaded and hashed. The sha256 in an object's metadata is never trusted for
-- this: whoever writes to the bucket writes the metadata too.
ALTER TABLE chunks ADD COLUMN etag VARCHAR;
