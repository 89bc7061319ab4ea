-- Named statements of the Oracle retention (src/data/oracle/oracle-partitions.ts,
-- docs/oracle.md "Retention"). Oracle makes each month's partition itself (INTERVAL), so unlike
-- PostgreSQL there is nothing to create: only months older than PARTITION_RETENTION_MONTHS are
-- dropped, with UPDATE INDEXES so that the global primary key index stays usable.

/* @name listRecordPartitions */
-- HIGH_VALUE is a LONG (node-oracledb fetches it as a string) holding the partition's exclusive
-- upper bound as SQL text, e.g. TIMESTAMP' 2025-02-01 00:00:00'. INTERVAL is 'NO' for the range
-- section (records_p0), which is never dropped (ORA-14758).
SELECT partition_name, partition_position, high_value, interval
FROM user_tab_partitions
WHERE table_name = 'RECORDS'
ORDER BY partition_position;

/* @name partitionLockTimeout */
-- How long a DROP PARTITION waits for the table's DML locks before ORA-00054; the next run tries again.
ALTER SESSION SET DDL_LOCK_TIMEOUT = 5;

/* @name partitionLockTimeoutReset */
-- Back to the default (no wait) before the session returns to the pool.
ALTER SESSION SET DDL_LOCK_TIMEOUT = 0;

/* @name dropRecordPartition */
-- {{partition}}: a name read from USER_TAB_PARTITIONS just before, never request input.
ALTER TABLE records DROP PARTITION "{{partition}}" UPDATE INDEXES;
