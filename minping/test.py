"""The base test case: an organiser, a leader, a unit liaison and an outsider, and a unit tree."""

from __future__ import annotations

import shutil
import tempfile

from django.contrib.auth.models import User
from django.test import TestCase, override_settings

from minping.orgs.models import Group, Membership, Role, Unit


class BaseTestCase(TestCase):
    organiser: User
    leader: User
    liaison: User
    outsider: User
    agencies: Group
    industries: Group
    gaj: Unit
    gaj_window: Unit
    water: Unit

    @classmethod
    def setUpTestData(cls) -> None:
        cls.organiser = User.objects.create_user("organiser", password="password-organiser")
        cls.organiser.is_staff = cls.organiser.is_superuser = True
        cls.organiser.save()
        cls.leader = User.objects.create_user("leader", password="password-leader")
        cls.liaison = User.objects.create_user("liaison", password="password-liaison")
        cls.outsider = User.objects.create_user("outsider", password="password-outsider")
        cls.agencies = Group.objects.create(code="agencies", name="机关单位")
        cls.industries = Group.objects.create(code="industries", name="重点行业")
        cls.gaj = Unit.objects.create(code="gaj", name="公安局", group=cls.agencies)
        cls.gaj_window = Unit.objects.create(code="gaj-w1", name="户政窗口", parent=cls.gaj)
        cls.water = Unit.objects.create(code="water", name="水务集团", group=cls.industries)
        Membership.objects.create(user=cls.organiser, role=Role.ORGANISER)
        Membership.objects.create(user=cls.leader, role=Role.LEADER)
        # The liaison of the police bureau sees it and its window, never the water company.
        Membership.objects.create(user=cls.liaison, role=Role.LIAISON, unit=cls.gaj)


class UploadsTestCase(BaseTestCase):
    """A BaseTestCase whose uploads go to a temporary folder removed after each test."""

    def setUp(self) -> None:
        super().setUp()
        folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, folder, True)
        uploads = override_settings(MEDIA_ROOT=folder)
        uploads.enable()
        self.addCleanup(uploads.disable)
