"""Key the audit chain: entries so far keep their plain SHA-256, every new one is an HMAC.

Re-keying the old entries would bless whatever had been done to them, so they are left
as they are and the chain is closed by one keyed entry, ``audit.keyed``, written here
the way ``log.record`` would (after the head, so that a tail already removed still
shows). ``log.verify`` accepts plain entries only before the keyed ones.
"""

from django.db import migrations, models
from django.utils import timezone


def close_the_plain_chain(apps, schema_editor):
    from minping.audit.log import actor_label
    from minping.audit.models import KEYED, SWITCH_OVER, canonical, digest

    AuditEntry = apps.get_model("audit", "AuditEntry")
    AuditHead = apps.get_model("audit", "AuditHead")
    last = AuditEntry.objects.order_by("-seq").first()
    head = AuditHead.objects.filter(id=1).first()
    if head is None and last is None:
        return  # a new installation: every entry will be keyed
    if head is None:
        head = AuditHead(id=1, seq=last.seq, hash=last.hash)
    entry = AuditEntry(
        seq=head.seq + 1,
        at=timezone.now(),
        actor_label=actor_label(None),
        action=SWITCH_OVER,
        detail={"plain_until": head.seq},
        prev_hash=head.hash,
        scheme=KEYED,
    )
    entry.hash = digest(KEYED, canonical(entry))
    entry.save()
    head.seq, head.hash = entry.seq, entry.hash
    head.save()


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        # Existing rows are plain SHA-256; the field's default afterwards is the keyed scheme.
        migrations.AddField(
            model_name="auditentry",
            name="scheme",
            field=models.CharField(default="sha256", max_length=16, verbose_name="签名方式"),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="scheme",
            field=models.CharField(default="hmac-sha256", max_length=16, verbose_name="签名方式"),
        ),
        migrations.RunPython(close_the_plain_chain, migrations.RunPython.noop),
    ]
