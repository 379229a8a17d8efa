"""Sites: creating and listing them (``registry``), every setting and the site's time
(``settings``), stations (``stations``), the staff code (``staff_code``) and who is on duty
(``staffing``)."""
