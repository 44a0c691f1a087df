from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0008_no_composite"),
    ]

    operations = [
        migrations.AddField(
            model_name="method",
            name="indicators",
            field=models.JSONField(blank=True, default=list, verbose_name="所问评议内容(代码)"),
        ),
    ]
