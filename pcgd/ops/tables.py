from piccolo.columns import BigInt, Varchar
from piccolo.table import Table


class CacheGeneration(Table, tablename="cache_generation"):
    """One counter per cache topic, bumped by triggers on the tables behind it (pcgd.ops.caches).

    The migration creates the table with `topic` as its primary key (no id column).
    """

    topic = Varchar(length=40, primary_key=True)
    generation = BigInt(default=0)
