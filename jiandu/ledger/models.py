"""The tamper-evident log in the database: yearly shards, entry bundles and their key index,
tiles, heads, checkpoints."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .choices import BundleCompression, HashAlgorithm

# Tiles hold TILE_WIDTH hashes of one level; levels 0, 4, 8… of the tree are stored, so any
# node is rebuilt from at most 16 stored hashes and a proof reads one tile per 4 levels. Height
# 8 (tlog-tiles' 256) made a proof hash ~500 times, 1.2 ms with SM3 at 1M entries; height 4
# hashes ~55 times and still reads 5 small rows at 1M, 6 at 10M, all in one query.
TILE_HEIGHT = 4
TILE_WIDTH = 1 << TILE_HEIGHT

# An entry's position is shard id · 2⁴⁰ + index (2⁴⁰ entries a year is far beyond need): one
# integer that orders by shard, then index. A bundle's primary key is its first entry's
# position, and the key index points at entries by position.
ENTRY_SHARD_STRIDE = 1 << 40


def entry_pk(shard_id: int, index: int) -> int:
    """The primary key of entry ``index`` of shard ``shard_id``."""
    return shard_id * ENTRY_SHARD_STRIDE + index


class Shard(models.Model):
    """One log (one Merkle tree) per calendar year, like Rekor's shards; its current tree head.

    ``frontier`` holds the roots of the tree's perfect subtrees (a compact range), so an append
    needs no old leaf; ``size``/``root``/``frontier`` change only under a row lock in
    ``storage.ledger_append_many``.
    """

    year = models.PositiveSmallIntegerField(_("年度"))
    origin = models.CharField(_("日志标识"), max_length=200,
                              help_text=_("检查点第一行，例如 gangcheng.jiandu/ledger/2026"))
    hash_alg = models.CharField(_("哈希算法"), max_length=16, choices=HashAlgorithm.choices,
                                default=HashAlgorithm.SM3)
    size = models.PositiveBigIntegerField(_("条目数"), default=0)
    root = models.BinaryField(_("根哈希"))
    frontier = models.BinaryField(_("紧凑区间"), default=b"")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("日志分片")
        verbose_name_plural = _("日志分片")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["year"], name="ledger_shard_year_unique"),
            models.UniqueConstraint(fields=["origin"], name="ledger_shard_origin_unique"),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100),
                                   name="ledger_shard_year_range"),
            models.CheckConstraint(condition=~Q(origin=""), name="ledger_shard_origin_not_blank"),
            models.CheckConstraint(condition=Q(hash_alg__in=HashAlgorithm.values),
                                   name="ledger_shard_hash_alg_valid"),
        ]

    def __str__(self):
        return f"{self.origin}（{self.size} 条）"


# An append writes its entries in bundles of at most BUNDLE_SIZE, as C2SP tlog-tiles' entry
# bundles: one row holds up to 256 entries' contents, so the per-entry cost of a row and its
# B-tree keys is paid once per 256. Their leaf hashes are stored once, in the level-0 tiles.
BUNDLE_SIZE = 256


class EntryBundle(models.Model):
    """Consecutive entries ``first`` … ``first + count - 1`` of one append to a shard.

    ``contents`` is the entries' canonical JSON (the exact bytes whose leaf hashes are in the
    tree) joined by b"\\n", which canonical JSON never holds raw; ``keys`` names the object of
    each entry as "kind\\tkey" lines, so a bundle describes itself and the key index can be
    checked against it. ``compression`` says how ``contents`` is stored: one Zstandard frame of
    those bytes (every append since compression came), or the bytes themselves. The primary key is ``entry_pk(shard_id, first)``: the bundle holding
    entry i is the one with the greatest key ≤ ``entry_pk(shard_id, i)``. A bundle is written
    once, by the append that made its entries, and never rewritten.
    """

    id = models.BigIntegerField(primary_key=True)
    shard = models.ForeignKey(Shard, on_delete=models.PROTECT, related_name="bundles",
                              verbose_name=_("日志分片"), db_index=False)
    first = models.PositiveBigIntegerField(_("首条序号"))
    count = models.PositiveSmallIntegerField(_("条目数"))
    contents = models.BinaryField(_("内容（规范 JSON，换行分隔）"))
    compression = models.CharField(_("压缩"), max_length=8, choices=BundleCompression.choices,
                                   default=BundleCompression.NONE, blank=True)
    keys = models.TextField(_("对象类别与标识"))
    created_at = models.DateTimeField(_("写入时间"))

    class Meta:
        verbose_name = _("日志条目包")
        verbose_name_plural = _("日志条目包")
        # The primary key orders by shard, then position; lookups by shard are ranges of it.
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(id=F("shard_id") * ENTRY_SHARD_STRIDE + F("first"),
                            first__lt=ENTRY_SHARD_STRIDE),
                name="ledger_entrybundle_id_position"),
            models.CheckConstraint(condition=Q(count__gte=1, count__lte=BUNDLE_SIZE),
                                   name="ledger_entrybundle_count_range"),
        ]

    def __str__(self):
        return f"#{self.first}–{self.first + self.count - 1}"


class EntryKey(models.Model):
    """The lookup of entries by object: (kind, key, position), position = ``entry_pk``.

    On SQLite the table is WITHOUT ROWID (migration 0004), a single B-tree; a later migration
    that makes Django rebuild it on SQLite must keep that. Filled by the append in one
    statement per run of one kind (SQLite) or one COPY (PostgreSQL) per call.
    """

    pk = models.CompositePrimaryKey("kind", "key", "position")
    kind = models.CharField(_("对象类别"), max_length=32)
    key = models.CharField(_("对象标识"), max_length=100)
    position = models.BigIntegerField(_("位置"))

    class Meta:
        verbose_name = _("日志条目索引")
        verbose_name_plural = _("日志条目索引")

    def __str__(self):
        return f"{self.kind} {self.key} @{self.position}"


class Tile(models.Model):
    """Up to TILE_WIDTH (16) consecutive node hashes of tree level ``level`` (0, 4, 8…),
    concatenated: tile ``index`` holds that level's nodes 16·index … 16·index + 15, in the
    manner of C2SP tlog-tiles. The rightmost tile of a level grows in place until it is full
    and never changes after.
    """

    shard = models.ForeignKey(Shard, on_delete=models.PROTECT, related_name="tiles",
                              verbose_name=_("日志分片"), db_index=False)
    level = models.PositiveSmallIntegerField(_("层"))
    index = models.PositiveBigIntegerField(_("瓦片序号"))
    hashes = models.BinaryField(_("哈希"))

    class Meta:
        verbose_name = _("哈希瓦片")
        verbose_name_plural = _("哈希瓦片")
        constraints = [
            models.UniqueConstraint(fields=["shard", "level", "index"],
                                    name="ledger_tile_shard_level_index_unique"),
            models.CheckConstraint(condition=Q(level__lte=56), name="ledger_tile_level_range"),
        ]

    def __str__(self):
        return f"tile {self.level}/{self.index}"


class TreeHead(models.Model):
    """The root of a shard after one append (one per batch), unsigned; checkpoints sign some."""

    shard = models.ForeignKey(Shard, on_delete=models.PROTECT, related_name="tree_heads",
                              verbose_name=_("日志分片"), db_index=False)
    size = models.PositiveBigIntegerField(_("条目数"))
    root = models.BinaryField(_("根哈希"))
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("树头")
        verbose_name_plural = _("树头")
        ordering = ["shard", "-size"]
        constraints = [
            models.UniqueConstraint(fields=["shard", "size"],
                                    name="ledger_treehead_shard_size_unique"),
        ]

    def __str__(self):
        return f"{self.shard_id}@{self.size}"


class Checkpoint(models.Model):
    """A signed tree head as a C2SP signed note (origin, size, root, signature lines)."""

    shard = models.ForeignKey(Shard, on_delete=models.PROTECT, related_name="checkpoints",
                              verbose_name=_("日志分片"), db_index=False)
    size = models.PositiveBigIntegerField(_("条目数"))
    root = models.BinaryField(_("根哈希"))
    note = models.TextField(_("签名检查点"))
    tsa_token = models.BinaryField(_("RFC 3161 时间戳"), null=True, blank=True)
    created_at = models.DateTimeField(_("签名时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("检查点")
        verbose_name_plural = _("检查点")
        ordering = ["shard", "-size"]
        constraints = [
            # One signed head per size: a second one of the same size would be a split view.
            models.UniqueConstraint(fields=["shard", "size"],
                                    name="ledger_checkpoint_shard_size_unique"),
            models.CheckConstraint(condition=~Q(note=""), name="ledger_checkpoint_note_not_blank"),
        ]

    def __str__(self):
        return f"{self.shard_id}@{self.size}"


class Cosignature(models.Model):
    """A witness's (notary office's) C2SP tlog-cosignature of a checkpoint."""

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT,
                                   related_name="cosignatures", verbose_name=_("检查点"))
    witness_name = models.CharField(_("见证方"), max_length=200)
    key_id = models.CharField(_("密钥标识（十六进制）"), max_length=8)
    signature = models.TextField(_("签名（base64）"))
    timestamp = models.PositiveBigIntegerField(_("联署时间戳（Unix 秒）"))
    created_at = models.DateTimeField(_("收到时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("见证联署")
        verbose_name_plural = _("见证联署")
        ordering = ["checkpoint", "witness_name"]
        constraints = [
            models.UniqueConstraint(fields=["checkpoint", "witness_name"],
                                    name="ledger_cosignature_checkpoint_witness_unique"),
            models.CheckConstraint(condition=~Q(witness_name=""),
                                   name="ledger_cosignature_witness_not_blank"),
            models.CheckConstraint(condition=~Q(signature=""),
                                   name="ledger_cosignature_signature_not_blank"),
        ]

    def __str__(self):
        return f"{self.witness_name} → {self.checkpoint}"

# The outcome of `jiandu ledger verify` runs lives in its own module (helper C), loaded here.
from .verify_runs import VerifyRun  # noqa: E402, F401
