"""Field values as the API stores them: each value type's check and canonical form, the
organisation's definitions (and their committed snapshot), and declarations checked against them.
"""
