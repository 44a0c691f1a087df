"""Nothing of the sample library is in Django's admin on purpose.

Pools hold phone numbers and names (个人信息保护法): they are seen only through
the organiser's pages, which mask numbers and audit every list viewed or
exported. The admin would show them whole and unaudited.
"""
