"""What runs in the cloud: the validation Lambda, the Glue ETL job, the ASL and the SQL.

The pipeline code arrives with its own issue; the local cloud already runs any Python
Lambda handler, Glue Python-shell script and state machine (see ``retailkit demo``).
"""
